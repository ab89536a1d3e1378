using ImageGateway.Common.LoadReports;
using ImageGateway.Gateway.Buffering;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// The one decision "where does this upload fit": reserves an upload's decode cost on one healthy
/// destination with room (power of two choices by free share of budget among those where it fits), by what the
/// destinations' load reports say and what this gateway has in flight there. An upload that fits nowhere
/// waits in the dispatch queue, oldest first, while its expected wait (bytes ahead of it / the
/// measured drain rate) is under <see cref="DispatchOptions.MaxQueueWait"/>, and never longer; else it
/// is shed with a <c>Retry-After</c> from the same drain rate.
/// Hand-written rather than System.Threading.RateLimiting: its limiters have one fixed permit count
/// and no notion of where a permit is spent, and here both the count (capacity follows the reports)
/// and the place (the destination the upload is sent to) are the point.
/// </summary>
public sealed class DispatchScheduler : IShedForecast
{
    /// <summary>An upload counts as small beside a waiting one when it needs at most this share of the destination's budget.</summary>
    public const double SmallShare = 0.125;

    private readonly Lock _lock = new();
    private readonly Dictionary<DestinationState, DestinationLoad> _loads = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<Waiter> _queue = new();
    private readonly Dictionary<string, long> _clientBytes = new(StringComparer.Ordinal);
    private readonly DispatchOptions _options;
    private readonly TimeProvider _time;
    private readonly DrainRate _drain;
    private long _queuedBytes;
    private long _lastCapacityBytes;

    public DispatchScheduler(IOptions<DispatchOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _drain = new DrainRate(time);
    }

    /// <summary>Uploads waiting now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Bytes of uploads waiting now.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The drain rate in bytes a second, or null before it was measured.</summary>
    public double? DrainBytesPerSecond
    {
        get
        {
            lock (_lock)
            {
                return _drain.BytesPerSecond;
            }
        }
    }

    /// <summary>The capacity as last computed: the sum of the reported budgets of the destinations available then.</summary>
    public long CapacityBytes => Interlocked.Read(ref _lastCapacityBytes);

    /// <summary>The capacity of <paramref name="available"/> and what of it is free, as this gateway believes.</summary>
    public (long Capacity, long Free, int Unreported) Capacity(IReadOnlyList<DestinationState> available)
    {
        lock (_lock)
        {
            return CapacityLocked(available);
        }
    }

    /// <summary>What this gateway believes about <paramref name="destination"/>: its last report and its free bytes.</summary>
    public (LoadReport? Report, long FreeBytes, int InFlight) Describe(DestinationState destination)
    {
        lock (_lock)
        {
            return _loads.TryGetValue(destination, out var load)
                ? (load.Report, load.FreeBytes(_options.UnreportedUploads), load.InFlight)
                : (null, 0, 0);
        }
    }

    /// <summary>A load report arrived from <paramref name="destination"/> (on a proxied response or a health probe).</summary>
    public void Reported(DestinationState destination, LoadReport report, DispatchReservation? carrier = null)
    {
        lock (_lock)
        {
            LoadOf(destination).Reported(report, _time.GetTimestamp(), carrier);
            PumpLocked();
        }
    }

    /// <summary>
    /// Null when an upload of the smallest cost could be dispatched within the queue bound; else the
    /// <c>Retry-After</c> to shed it with before its body is read.
    /// </summary>
    public TimeSpan? ShedBeforePeek(IReadOnlyList<DestinationState> available)
    {
        lock (_lock)
        {
            if (_queue.Count == 0 || available.Count == 0)
            {
                return null;
            }

            var (_, free, _) = CapacityLocked(available);
            return _drain.TimeFor(_queuedBytes - free) is { } wait && wait > _options.MaxQueueWait ? RetryAfterLocked(0) : null;
        }
    }

    /// <summary>
    /// Whether an upload of <paramref name="cost"/> arriving now would be shed for its expected wait.
    /// Asked before a small upload is buffered, so that one about to be shed is not received first.
    /// </summary>
    public bool WouldShed(long cost, IReadOnlyList<DestinationState> available)
    {
        lock (_lock)
        {
            if (available.Count == 0 || (_queue.Count == 0 && PickLocked(cost, available, exclude: null) is not null))
            {
                return false;
            }

            var (_, free, _) = CapacityLocked(available);
            return _drain.TimeFor(_queuedBytes + cost - free) is { } expected && expected > _options.MaxQueueWait;
        }
    }

    /// <summary>What the cheapest upload arriving now can expect to wait (zero while it is unknown).</summary>
    public TimeSpan ExpectedWaitForSmallest(IReadOnlyList<DestinationState> available)
    {
        lock (_lock)
        {
            var (_, free, _) = CapacityLocked(available);
            return _drain.TimeFor(_queuedBytes - free) ?? TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Reserves <paramref name="cost"/> bytes on a destination of <paramref name="cluster"/> with room,
    /// waiting at most the queue bound. <paramref name="exclude"/> is left out (a retry goes elsewhere).
    /// </summary>
    public ValueTask<DispatchDecision> ReserveAsync(long cost, ClusterState cluster, string? clientKey, DestinationState? exclude, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            var available = cluster.DestinationsState.AvailableDestinations;
            if (available.Count == 0 || (exclude is not null && available.Count == 1 && ReferenceEquals(available[0], exclude)))
            {
                return ValueTask.FromResult(DispatchDecision.NoDestination);
            }

            var (capacity, free, _) = CapacityLocked(available);
            if (clientKey is not null && _options.ClientShare > 0 && capacity > 0
                && _clientBytes.GetValueOrDefault(clientKey) + cost > _options.ClientShare * capacity)
            {
                return ValueTask.FromResult(DispatchDecision.OverShare((long)(_options.ClientShare * capacity), RetryAfterLocked(cost)));
            }

            if (_queue.Count == 0 && PickLocked(cost, available, exclude) is { } destination)
            {
                return ValueTask.FromResult(DispatchDecision.Granted(GrantLocked(destination, cost, clientKey)));
            }

            if (_drain.TimeFor(_queuedBytes + cost - free) is { } expected && expected > _options.MaxQueueWait)
            {
                return ValueTask.FromResult(DispatchDecision.Shed(DispatchDecision.ExpectedWaitReason, expected, RetryAfterLocked(cost)));
            }

            waiter = new Waiter(cost, cluster, clientKey, exclude, _time.GetTimestamp());
            waiter.Node = _queue.AddLast(waiter);
            _queuedBytes += cost;
            AddClientLocked(clientKey, cost);
            _drain.Observe(_queue.Count);
            PumpLocked(); // it may fit where the uploads ahead of it cannot go
        }

        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Moves <paramref name="reservation"/> to the destination the request actually went to (a policy other than <c>FreeBudget</c> chose another).</summary>
    public void Move(DispatchReservation reservation, DestinationState destination)
    {
        lock (_lock)
        {
            if (ReferenceEquals(reservation.Destination, destination))
            {
                return;
            }

            LoadOf(reservation.Destination).Remove(reservation);
            reservation.Destination = destination;
            LoadOf(destination).Add(reservation);
            PumpLocked();
        }
    }

    internal void Release(DispatchReservation reservation)
    {
        lock (_lock)
        {
            LoadOf(reservation.Destination).Remove(reservation);
            AddClientLocked(reservation.ClientKey, -reservation.Bytes);
            _drain.Released(reservation.Bytes, _queue.Count);
            PumpLocked();
        }
    }

    private async ValueTask<DispatchDecision> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(_options.MaxQueueWait, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        using (timeout.Token.UnsafeRegister(static state => ((Waiter)state!).Completion.TrySetResult(null), waiter))
        {
            var reservation = await waiter.Completion.Task.ConfigureAwait(false);
            if (reservation is not null)
            {
                return DispatchDecision.Granted(reservation);
            }
        }

        lock (_lock)
        {
            RemoveLocked(waiter);
            cancellationToken.ThrowIfCancellationRequested();
            return DispatchDecision.Shed(DispatchDecision.TimedOutReason, _options.MaxQueueWait, RetryAfterLocked(waiter.Cost));
        }
    }

    private void PumpLocked()
    {
        // Oldest first: a later upload may not take a destination an older waiting one could use
        // ("held"), except a small one (at most a SmallShare of that destination's budget) while the
        // older one has waited less than half the bound: thumbnails fill the gaps beside a large
        // image and finish long before it would have got its room, and from half the bound on the
        // large image is strictly next, so it is served within the bound.
        HashSet<DestinationState>? held = null;
        HashSet<DestinationState>? smallOnly = null;
        var now = _time.GetTimestamp();
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            var waiter = node.Value;
            var available = waiter.Cluster.DestinationsState.AvailableDestinations;
            if (waiter.Completion.Task.IsCompleted)
            {
                node = next; // timed out; its own continuation removes it
                continue;
            }

            if (PickLocked(waiter.Cost, available, waiter.Exclude, held, smallOnly) is { } destination)
            {
                // Its client's bytes were counted when it queued.
                var reservation = GrantLocked(destination, waiter.Cost, waiter.ClientKey, countClient: false);
                RemoveLocked(waiter, keepClientBytes: true);
                if (!waiter.Completion.TrySetResult(reservation))
                {
                    reservation.Dispose();
                }
            }
            else
            {
                var strict = _time.GetElapsedTime(waiter.EnqueuedAt, now) >= _options.MaxQueueWait / 2;
                foreach (var candidate in available)
                {
                    if (LoadOf(candidate).CouldFit(waiter.Cost))
                    {
                        (strict ? held ??= new(ReferenceEqualityComparer.Instance) : smallOnly ??= new(ReferenceEqualityComparer.Instance)).Add(candidate);
                    }
                }

                if (held is not null && held.Count >= available.Count)
                {
                    break;
                }
            }

            node = next;
        }
    }

    private DestinationState? PickLocked(long cost, IReadOnlyList<DestinationState> available, DestinationState? exclude, HashSet<DestinationState>? held = null, HashSet<DestinationState>? smallOnly = null)
    {
        // Where it fits by budget; only when it fits no budget, where it would run alone.
        var pick = PickAmong(cost, available, exclude, held, smallOnly, byBudget: true);
        if (pick is null && !AnyCouldFit(cost, available, exclude))
        {
            pick = PickAmong(cost, available, exclude, held, smallOnly, byBudget: false);
        }

        return pick;
    }

    private DestinationState? PickAmong(long cost, IReadOnlyList<DestinationState> available, DestinationState? exclude, HashSet<DestinationState>? held, HashSet<DestinationState>? smallOnly, bool byBudget)
    {
        DestinationState? first = null;
        DestinationState? second = null;
        var fitting = 0;
        foreach (var candidate in available)
        {
            var load = LoadOf(candidate);
            if (ReferenceEquals(candidate, exclude) || held?.Contains(candidate) == true
                || (smallOnly?.Contains(candidate) == true && cost > load.BudgetBytes * SmallShare))
            {
                continue;
            }

            if ((byBudget && !load.CouldFit(cost)) || !load.Fits(cost, _options.UnreportedUploads))
            {
                continue;
            }

            // Two uniformly random choices among the fitting ones, by reservoir sampling.
            fitting++;
            if (fitting == 1)
            {
                first = candidate;
            }
            else if (fitting == 2)
            {
                second = candidate;
            }
            else if (Random.Shared.Next(fitting) < 2)
            {
                if (Random.Shared.Next(2) == 0)
                {
                    first = candidate;
                }
                else
                {
                    second = candidate;
                }
            }
        }

        if (second is null)
        {
            return first;
        }

        // The larger free share of its budget wins, not the larger free bytes: a larger budget does not
        // come with more CPU, and by bytes a 256 MiB backend would take every thumbnail while a 50 MiB
        // one beside it idled (measured: 35 vs 106 counted a second with 32 clients).
        var a = FreeShare(LoadOf(first!));
        var b = FreeShare(LoadOf(second));
        return a == b ? (Random.Shared.Next(2) == 0 ? first : second) : a > b ? first : second;
    }

    private double FreeShare(DestinationLoad load) =>
        load.Report is null ? (load.InFlight < _options.UnreportedUploads ? 1 : 0) : (double)load.FreeBytes(_options.UnreportedUploads) / Math.Max(1, load.BudgetBytes);

    private bool AnyCouldFit(long cost, IReadOnlyList<DestinationState> available, DestinationState? exclude)
    {
        foreach (var candidate in available)
        {
            if (!ReferenceEquals(candidate, exclude) && LoadOf(candidate).CouldFit(cost))
            {
                return true;
            }
        }

        return false;
    }

    private DispatchReservation GrantLocked(DestinationState destination, long cost, string? clientKey, bool countClient = true)
    {
        var reservation = new DispatchReservation(this, destination, cost, _time.GetTimestamp(), clientKey);
        LoadOf(destination).Add(reservation);
        if (countClient)
        {
            AddClientLocked(clientKey, cost);
        }

        return reservation;
    }

    private void RemoveLocked(Waiter waiter, bool keepClientBytes = false)
    {
        if (waiter.Node?.List is null)
        {
            return;
        }

        _queue.Remove(waiter.Node);
        _queuedBytes -= waiter.Cost;
        if (!keepClientBytes)
        {
            AddClientLocked(waiter.ClientKey, -waiter.Cost);
        }

        _drain.Observe(_queue.Count);
    }

    private void AddClientLocked(string? clientKey, long bytes)
    {
        if (clientKey is null || _options.ClientShare <= 0)
        {
            return;
        }

        var total = _clientBytes.GetValueOrDefault(clientKey) + bytes;
        if (total <= 0)
        {
            _clientBytes.Remove(clientKey);
        }
        else
        {
            _clientBytes[clientKey] = total;
        }
    }

    private (long Capacity, long Free, int Unreported) CapacityLocked(IReadOnlyList<DestinationState> available)
    {
        long capacity = 0;
        long free = 0;
        var unreported = 0;
        foreach (var destination in available)
        {
            var load = LoadOf(destination);
            if (load.Report is null)
            {
                unreported++;
                continue;
            }

            capacity += load.BudgetBytes;
            free += load.FreeBytes(_options.UnreportedUploads);
        }

        Interlocked.Exchange(ref _lastCapacityBytes, capacity);
        return (capacity, free, unreported);
    }

    /// <summary>How long until the queue and <paramref name="cost"/> more have drained, within [1 s, MaxRetryAfter].</summary>
    private TimeSpan RetryAfterLocked(long cost)
    {
        var drain = _drain.TimeFor(_queuedBytes + cost) ?? _options.MaxQueueWait;
        return TimeSpan.FromTicks(Math.Clamp(drain.Ticks, TimeSpan.TicksPerSecond, _options.MaxRetryAfter.Ticks));
    }

    private DestinationLoad LoadOf(DestinationState destination)
    {
        if (!_loads.TryGetValue(destination, out var load))
        {
            load = new DestinationLoad(destination);
            _loads[destination] = load;
        }

        return load;
    }

    private sealed class Waiter(long cost, ClusterState cluster, string? clientKey, DestinationState? exclude, long enqueuedAt)
    {
        public long EnqueuedAt { get; } = enqueuedAt;

        public long Cost { get; } = cost;

        public ClusterState Cluster { get; } = cluster;

        public string? ClientKey { get; } = clientKey;

        public DestinationState? Exclude { get; } = exclude;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource<DispatchReservation?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
