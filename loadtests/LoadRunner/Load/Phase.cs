namespace ImageGateway.LoadRunner.Load;

/// <summary>How load is applied: NBomber's "load simulations".</summary>
public enum LoadModel
{
    /// <summary>N virtual users, each posting the next request as soon as the last one is answered.</summary>
    Closed,

    /// <summary>A constant arrival rate, independent of how fast the server answers.</summary>
    Open,
}

/// <summary>
/// One stretch of a run at a fixed load: <see cref="Rate"/> requests/s (open) or
/// <see cref="VirtualUsers"/> (closed). Warm-up phases are not <see cref="Counted"/>.
/// </summary>
public sealed record Phase(string Name, TimeSpan Duration, LoadModel Model, double Rate, int VirtualUsers, bool Counted = true)
{
    public string Describe() => Model == LoadModel.Open
        ? $"{Name}: open, {Rate:0.#} req/s for {Duration.TotalSeconds:0.#} s"
        : $"{Name}: closed, {VirtualUsers} users for {Duration.TotalSeconds:0.#} s";
}
