using ImageGateway.Common.Imaging.Headers;
using SharpFuzz;

// AFL++ feeds one input per run through SharpFuzz (only ImageGateway.Common.dll, the header model, is
// instrumented). The header model's own invariants, each broken one an exception, which AFL records
// as a crash; a read that does not end is a hang (afl-fuzz -t):
// - ImageHeaders.Read returns on the whole body, and never NeedMoreData there;
// - on every prefix (every length up to 2 KiB, else 256 spaced ones), with and without the declared
//   length, the prefix rule of docs/fuzzing.md: a refusal implies the whole body is refused, an
//   acceptance implies the same format, size and depth or a refusal of the whole body.
const int MaxInputBytes = 64 * 1024;

// Instrumented code (all of ImageGateway.Common) may only run inside the fuzzed callback, once
// SharpFuzz has attached AFL's coverage map: outside it, it writes to a map that is not there.
UploadLimits? limits = null;

Fuzzer.OutOfProcess.Run(stream =>
{
    limits ??= UploadLimits.Default;
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    if (copy.Length > MaxInputBytes)
    {
        return;
    }

    var body = copy.ToArray();
    var whole = ImageHeaders.Read(body, complete: true, body.Length, limits);
    if (whole.Outcome == HeaderOutcome.NeedMoreData)
    {
        throw new InvalidOperationException("NeedMoreData on a whole body.");
    }

    var step = body.Length <= 2048 ? 1 : body.Length / 256;
    for (var length = 1; length < body.Length; length += step)
    {
        foreach (var declared in new long?[] { body.Length, null })
        {
            var prefix = ImageHeaders.Read(body.AsSpan(0, length), complete: false, declared, limits);
            var agrees = prefix.Outcome switch
            {
                HeaderOutcome.NeedMoreData => true,
                HeaderOutcome.Refused => whole.Outcome == HeaderOutcome.Refused,
                _ => whole.Outcome == HeaderOutcome.Refused
                    || (whole.Facts!.Format, whole.Facts.Width, whole.Facts.Height, whole.Facts.Depth)
                        == (prefix.Facts!.Format, prefix.Facts.Width, prefix.Facts.Height, prefix.Facts.Depth),
            };
            if (!agrees)
            {
                throw new InvalidOperationException(
                    $"Prefix of {length} of {body.Length} (declared {declared?.ToString() ?? "none"}): {prefix.Outcome} {prefix.Problem?.Type} {prefix.Detail} {prefix.Facts}; whole body: {whole.Outcome} {whole.Problem?.Type} {whole.Detail} {whole.Facts}");
            }
        }
    }
});
