using System.Text.Json;

namespace ImageGateway.TestSupport.Load;

/// <summary>
/// Reads the two facts a load client needs from an answer's (possibly cut) body without parsing the
/// rest: a 200's <c>white_pixel_count</c> and a problem document's <c>type</c>.
/// </summary>
public static class AnswerJson
{
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
