using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Payloads;

namespace ImageGateway.LoadRunner.Load;

/// <summary>
/// Sends one payload and classifies the answer. Never throws for anything the server or network does:
/// every request ends in exactly one <see cref="Outcome"/>.
/// </summary>
public interface IRequestSender
{
    Task<Classification.Classification> SendAsync(Payload payload);
}
