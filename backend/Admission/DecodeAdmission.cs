using System.Diagnostics;
using System.Threading.RateLimiting;
using ImageGateway.Backend.Memory;
using ImageGateway.Backend.Tracing;
using ImageGateway.Common.Observability;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Admission;

/// <summary>
/// Admission by cost: every request body and every decode reserves its bytes from the decode budget
/// before the memory is touched, as weighted permits of a <see cref="ConcurrencyLimiter"/> (one permit
/// per KiB, oldest first). Work that does not fit waits in a bounded queue for a bounded time, then
/// is refused (503); work that could never fit is refused at once (422).
/// </summary>
public sealed class DecodeAdmission : IDisposable
{
    /// <summary>Bytes per permit.</summary>
    public const int PermitBytes = 1024;

    private readonly ConcurrencyLimiter _limiter;
    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private long _lastQueueFullTimestamp; // 0: never
    private int _waiting;

    public DecodeAdmission(MemoryBudget budget, IOptions<AdmissionOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _options = options.Value;
        _time = time;
        BudgetBytes = budget.DecodeBudgetBytes;
        PermitLimit = (int)Math.Min(int.MaxValue, BudgetBytes / PermitBytes);
        QueueLimit = (int)Math.Min(int.MaxValue, PermitLimit * _options.QueueBudgets);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = PermitLimit,
            QueueLimit = QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The decode budget, in bytes.</summary>
    public long BudgetBytes { get; }

    /// <summary>The budget in permits.</summary>
    public int PermitLimit { get; }

    /// <summary>Permits that may wait.</summary>
    public int QueueLimit { get; }

    /// <summary>The <c>Retry-After</c> sent with a 503.</summary>
    public TimeSpan RetryAfter => _options.RetryAfter;

    /// <summary>Bytes of the budget reserved now.</summary>
    public long BytesInUse => (long)(PermitLimit - (_limiter.GetStatistics()?.CurrentAvailablePermits ?? PermitLimit)) * PermitBytes;

    /// <summary>Bytes of work waiting now.</summary>
    public long BytesQueued => (_limiter.GetStatistics()?.CurrentQueuedCount ?? 0) * (long)PermitBytes;

    /// <summary>True while the queue is full, or was found full within the last second. (No queue at all is never "full".)</summary>
    public bool QueueFull =>
        (QueueLimit > 0 && (_limiter.GetStatistics()?.CurrentQueuedCount ?? 0) >= QueueLimit)
        || (_options.QueueRequests > 0 && Volatile.Read(ref _waiting) >= _options.QueueRequests)
        || (Interlocked.Read(ref _lastQueueFullTimestamp) is var last and not 0 && _time.GetElapsedTime(last) < TimeSpan.FromSeconds(1));

    /// <summary>Starts an empty reservation for one request; dispose it to give everything back.</summary>
    public Reservation Begin() => new(this);

    /// <summary>Permits for <paramref name="bytes"/>, rounded up.</summary>
    public static int PermitsFor(long bytes) => (int)Math.Min(int.MaxValue, (bytes + PermitBytes - 1) / PermitBytes);

    public void Dispose() => _limiter.Dispose();

    private async ValueTask<RateLimitLease> AcquireAsync(int permits, TimeSpan wait, CancellationToken cancellationToken)
    {
        // Granted at once without waiting: no queue place needed.
        var immediate = _limiter.AttemptAcquire(permits);
        if (immediate.IsAcquired)
        {
            return immediate;
        }

        immediate.Dispose();
        if (wait <= TimeSpan.Zero)
        {
            throw TimeoutRefusal();
        }

        if (Interlocked.Increment(ref _waiting) > _options.QueueRequests)
        {
            Interlocked.Decrement(ref _waiting);
            throw QueueFullRefusal();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            var lease = await _limiter.AcquireAsync(permits, timeout.Token);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                throw QueueFullRefusal();
            }

            return lease;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimeoutRefusal();
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private AdmissionRefusedException TimeoutRefusal() =>
        new(AdmissionRefusal.Timeout,
            $"No room in the backend's decode budget ({BudgetBytes} bytes) within {_options.QueueTimeout.TotalSeconds:0.#} s; retry shortly.");

    private AdmissionRefusedException QueueFullRefusal()
    {
        Interlocked.Exchange(ref _lastQueueFullTimestamp, _time.GetTimestamp());
        return new AdmissionRefusedException(AdmissionRefusal.QueueFull,
            $"The backend's decode budget ({BudgetBytes} bytes) and its queue ({_options.QueueRequests} requests, {QueueLimit * (long)PermitBytes} bytes) are full; retry shortly.");
    }

    /// <summary>
    /// What one request holds of the budget: its body, then its decode. Grows, never shrinks until
    /// disposed. All its waits together last at most the queue timeout, counted from its start, so a
    /// request's time in admission is bounded however many times it grows.
    /// </summary>
    public sealed class Reservation : IDisposable
    {
        private readonly DecodeAdmission _admission;
        private readonly List<RateLimitLease> _leases = new(2);
        private readonly long _started;

        internal Reservation(DecodeAdmission admission)
        {
            _admission = admission;
            _started = admission._time.GetTimestamp();
        }

        /// <summary>Bytes reserved so far.</summary>
        public long Bytes { get; private set; }

        /// <summary>What is left of the queue timeout for this request's waits (for the budget, or for a decode worker).</summary>
        public TimeSpan TimeLeft => _admission._options.QueueTimeout - _admission._time.GetElapsedTime(_started);

        /// <summary>Time spent waiting for the budget so far, over all its reservations.</summary>
        public TimeSpan Waited { get; private set; }

        /// <summary>
        /// Reserves <paramref name="bytes"/> more for <paramref name="purpose"/>, waiting in the queue
        /// for at most what is left of the queue timeout.
        /// </summary>
        /// <exception cref="AdmissionRefusedException">Could never fit (<see cref="AdmissionRefusal.NeverFits"/>), or no room in time.</exception>
        public async ValueTask AddAsync(long bytes, string purpose, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bytes);
            if (bytes == 0)
            {
                return;
            }

            var total = Bytes + bytes;
            if (PermitsFor(total) > _admission.PermitLimit)
            {
                throw new AdmissionRefusedException(AdmissionRefusal.NeverFits,
                    $"{Capitalize(purpose)} needs {total} bytes of memory with what this request already holds; the backend's decode budget is {_admission.BudgetBytes} bytes.");
            }

            var permits = PermitsFor(total) - PermitsFor(Bytes);
            if (permits > 0)
            {
                using var activity = BackendActivities.Source.StartActivity("admission.wait");
                activity?.SetTag(TelemetryAttributes.RequestedBytes, bytes);
                var asked = _admission._time.GetTimestamp();
                try
                {
                    _leases.Add(await _admission.AcquireAsync(permits, TimeLeft, cancellationToken));
                }
                catch (AdmissionRefusedException ex) when (activity is not null)
                {
                    activity.SetTag(TelemetryAttributes.ErrorType, ex.Reason);
                    activity.SetStatus(ActivityStatusCode.Error, ex.Reason);
                    throw;
                }
                finally
                {
                    Waited += _admission._time.GetElapsedTime(asked);
                }
            }

            Bytes = total;
        }

        public void Dispose()
        {
            foreach (var lease in _leases)
            {
                lease.Dispose();
            }

            _leases.Clear();
            Bytes = 0;
        }

        private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }
}

/// <summary>Why admission refused a request.</summary>
public enum AdmissionRefusal
{
    /// <summary>More than the whole budget: 422, retrying cannot help.</summary>
    NeverFits,

    /// <summary>The queue was full: 503 with Retry-After.</summary>
    QueueFull,

    /// <summary>Waited the queue timeout without room: 503 with Retry-After.</summary>
    Timeout,
}

/// <summary>Admission refused the request; <see cref="Refusal"/> says how to answer.</summary>
public sealed class AdmissionRefusedException(AdmissionRefusal refusal, string detail) : Exception(detail)
{
    public AdmissionRefusal Refusal { get; } = refusal;

    /// <summary>The refusal's name in metrics, spans and logs (<c>error.type</c>).</summary>
    public string Reason => Refusal switch
    {
        AdmissionRefusal.QueueFull => "queue-full",
        AdmissionRefusal.Timeout => "queue-timeout",
        _ => "image-too-large",
    };
}
