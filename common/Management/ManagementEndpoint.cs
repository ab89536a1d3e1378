namespace ImageGateway.Common.Management;

/// <summary>Endpoint metadata: the endpoint is served on the management port only.</summary>
public sealed class ManagementEndpoint
{
    public static readonly ManagementEndpoint Instance = new();

    private ManagementEndpoint()
    {
    }
}
