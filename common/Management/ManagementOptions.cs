using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Management;

/// <summary>
/// The management port (section <c>Management</c>): <c>/metrics</c> and the detailed
/// <c>/health/ready</c> are served there and only there, so the public port never shows
/// destination names, memory facts or metrics to clients.
/// </summary>
public sealed class ManagementOptions
{
    public const string SectionName = "Management";

    /// <summary>
    /// The port, on the same interface as the first public address (<c>http://*:8080</c> gives
    /// <c>http://*:9090</c>, <c>http://127.0.0.1:8080</c> gives <c>http://127.0.0.1:9090</c>).
    /// Default 9090; must differ from every public port.
    /// </summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 9090;
}

/// <summary>Validates <see cref="ManagementOptions"/> at start-up (source-generated: no reflection, for Native AOT).</summary>
[OptionsValidator]
public sealed partial class ManagementOptionsValidator : IValidateOptions<ManagementOptions>;
