namespace ImageGateway.TestSupport.Load;

/// <summary>How load is applied: NBomber's "load simulations".</summary>
public enum LoadModel
{
    /// <summary>N virtual users, each posting the next request as soon as the last one is answered.</summary>
    Closed,

    /// <summary>An arrival rate, independent of how fast the server answers.</summary>
    Open,
}

/// <summary>
/// One stretch of a run: <see cref="Rate"/> requests/s (open) or <see cref="VirtualUsers"/> (closed) at
/// its start, ramping linearly to <see cref="RampTo"/> at its end when that is set (k6's ramping
/// executors), else constant. Warm-up phases are not <see cref="Counted"/>.
/// </summary>
public sealed record Phase(string Name, TimeSpan Duration, LoadModel Model, double Rate, int VirtualUsers, bool Counted = true, double? RampTo = null)
{
    /// <summary>Closed model: how long each user waits after an answer before its next request (think time); zero by default.</summary>
    public TimeSpan Pause { get; init; }

    /// <summary>
    /// A closed phase of <paramref name="users"/> that runs until the client is stopped (a day at most),
    /// each user waiting <paramref name="pause"/> after every answer.
    /// </summary>
    public static Phase UntilStopped(int users, TimeSpan pause) =>
        new("until stopped", TimeSpan.FromDays(1), LoadModel.Closed, 0, users) { Pause = pause };

    /// <summary>The load level (requests/s or users) at the start of the phase.</summary>
    public double StartLevel => Model == LoadModel.Open ? Rate : VirtualUsers;

    /// <summary>The load level at the end of the phase.</summary>
    public double EndLevel => RampTo ?? StartLevel;

    public string Describe()
    {
        var unit = Model == LoadModel.Open ? "req/s" : "users";
        var level = RampTo is null ? $"{StartLevel:0.#} {unit}" : $"{StartLevel:0.#} -> {EndLevel:0.#} {unit}";
        return $"{Name}: {(Model == LoadModel.Open ? "open" : "closed")}, {level} for {Duration.TotalSeconds:0.#} s";
    }

    /// <summary>How many closed-model users the phase needs at its busiest.</summary>
    public int MaxUsers => (int)Math.Ceiling(Math.Max(StartLevel, EndLevel));

    /// <summary>
    /// Closed model: when user <paramref name="user"/> (0-based) is active, from the start of the phase.
    /// A user is active while the level is above its index (the level <c>v(t)</c> is linear, so
    /// <c>ceil(v(t))</c> users run at once); null when it never is.
    /// </summary>
    public (TimeSpan From, TimeSpan To)? UserWindow(int user)
    {
        double v0 = StartLevel, v1 = EndLevel, seconds = Duration.TotalSeconds;
        if (user >= Math.Max(v0, v1) || seconds <= 0)
        {
            return null;
        }

        if (v1 > v0)
        {
            var from = Math.Clamp((user - v0) / (v1 - v0) * seconds, 0, seconds);
            return (TimeSpan.FromSeconds(from), Duration);
        }

        if (v1 < v0)
        {
            var to = Math.Clamp((v0 - user) / (v0 - v1) * seconds, 0, seconds);
            return (TimeSpan.Zero, TimeSpan.FromSeconds(to));
        }

        return (TimeSpan.Zero, Duration);
    }
}
