using System.Text.Json;
using ImageGateway.Common.Problems;
using ImageGateway.LoadRunner.Payloads;

namespace ImageGateway.LoadRunner.Classification;

/// <summary>One classified answer: its <see cref="Outcome"/> and the status-mix label (<c>422 image-too-large</c>).</summary>
/// <param name="RetryAfter">The answer's <c>Retry-After</c>, when it had one (a client that honours it waits that long).</param>
public readonly record struct Classification(Outcome Outcome, string Label, TimeSpan? RetryAfter = null);

/// <summary>
/// Decides the <see cref="Outcome"/> of one answer from its status, <c>Retry-After</c> and body, against
/// what the payload expects. The documented problem types are the product's own catalogue
/// (<see cref="ProblemTypes"/>), so the runner and the services cannot drift apart.
/// </summary>
public static class ResponseClassifier
{
    private const string TypePrefix = "urn:image-gateway:problem:";

    // Every type in the catalogue but internal-error: a 500 is never an answer a client should get.
    private static readonly Dictionary<string, int> DocumentedTypes = ProblemTypes.All
        .Where(p => p != ProblemTypes.InternalError)
        .ToDictionary(p => p.Type, p => p.Status, StringComparer.Ordinal);

    public static Classification Timeout { get; } = new(Outcome.Timeout, "timeout");

    public static Classification ConnectionError { get; } = new(Outcome.ConnectionError, "connection-error");

    /// <summary>Classifies an HTTP answer. <paramref name="body"/> may be cut short; only small JSON bodies matter.</summary>
    public static Classification Classify(int status, bool hasRetryAfter, ReadOnlySpan<byte> body, Expectation expectation)
    {
        if (status == 200)
        {
            if (ReadCount(body) is not { } count)
            {
                return new(Outcome.CountWrong, "200 unreadable-body");
            }

            if (expectation.Count is null)
            {
                return new(Outcome.HostileAccepted, "200");
            }

            return new(expectation.CountIsRight(count) ? Outcome.CountRight : Outcome.CountWrong, "200");
        }

        var type = ReadProblemType(body);
        var documented = type is not null && DocumentedTypes.TryGetValue(type, out var typeStatus) && typeStatus == status;
        var label = type is null ? status.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{status} {(type.StartsWith(TypePrefix, StringComparison.Ordinal) ? type[TypePrefix.Length..] : type)}";

        if (status is 503 or 429)
        {
            return new(
                hasRetryAfter && documented ? Outcome.Shed
                : status == 503 ? Outcome.UnavailableWithoutRetryAfter
                : Outcome.Undocumented,
                label);
        }

        if (status >= 500)
        {
            return new(Outcome.ServerError, label);
        }

        if (status is >= 400 and < 500 && documented)
        {
            return new(expectation.RejectStatuses.Contains(status) ? Outcome.Rejected : Outcome.UnexpectedRejection, label);
        }

        return new(Outcome.Undocumented, label);
    }

    /// <summary>The <c>white_pixel_count</c> of a 200 body, or null when the body is not the documented JSON.</summary>
    public static long? ReadCount(ReadOnlySpan<byte> body) =>
        ReadProperty(body, "white_pixel_count"u8, static (ref Utf8JsonReader r) =>
            r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var count) && count >= 0 ? count : (long?)null);

    /// <summary>The RFC 9457 <c>type</c> of a problem body, or null.</summary>
    public static string? ReadProblemType(ReadOnlySpan<byte> body) =>
        ReadProperty(body, "type"u8, static (ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String ? r.GetString() : null);

    private delegate T ValueReader<T>(ref Utf8JsonReader reader);

    /// <summary>Reads one top-level property of a JSON object; null when absent or the body is not a JSON object.</summary>
    private static T? ReadProperty<T>(ReadOnlySpan<byte> body, ReadOnlySpan<byte> name, ValueReader<T?> read)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(name);
                if (!reader.Read())
                {
                    return default;
                }

                if (found)
                {
                    return read(ref reader);
                }

                reader.Skip();
            }

            return default;
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
