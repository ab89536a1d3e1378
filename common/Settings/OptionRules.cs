using System.ComponentModel.DataAnnotations;

namespace ImageGateway.Common.Settings;

/// <summary>
/// Rules an options class states in its <see cref="IValidatableObject.Validate"/>, which the
/// <c>[OptionsValidator]</c> source generator calls after the data annotations: what the annotations
/// cannot say (a <see cref="TimeSpan"/> range: the generator's <c>Range</c> converts only numbers, and
/// <c>Range(typeof(TimeSpan), ...)</c> outside it needs reflection, which Native AOT lacks; rules that
/// compare fields or read a format). Every failure names the configuration key (<c>Section:Key</c>)
/// and the value seen.
/// </summary>
public static class OptionRules
{
    /// <summary>A failure naming <c><paramref name="section"/>:<paramref name="key"/></c> when <paramref name="value"/> is outside <paramref name="min"/> to <paramref name="max"/>; else null.</summary>
    public static ValidationResult? Within(TimeSpan value, TimeSpan min, TimeSpan max, string section, string key) =>
        value >= min && value <= max ? null : Failure(section, key, $"must be {min} to {max}, not {value}");

    /// <summary>A failure whose message is <c><paramref name="section"/>:<paramref name="key"/> <paramref name="rule"/>.</c></summary>
    public static ValidationResult Failure(string section, string key, string rule) =>
        new($"{section}:{key} {rule}.");

    /// <summary>The failures among <paramref name="results"/> (null is a rule that held).</summary>
    public static IEnumerable<ValidationResult> Failures(params ValidationResult?[] results) => results.OfType<ValidationResult>();
}
