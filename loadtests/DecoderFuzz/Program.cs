using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Imaging;
using SharpFuzz;

// AFL feeds one input per run through SharpFuzz. Each is handled as a decode worker handles an
// upload: the header model (ImageCounter.Identify), the decode cost estimate, then the decode and
// count under an image-memory job limit equal to that estimate. Definite answers (a refusal, running
// out of memory) are expected; any other exception is a finding, and so is a run that does not end
// (afl-fuzz -t), which in the product is a decode killed at its deadline.
const int MaxInputBytes = 1 << 20;
const long BudgetBytes = 64L << 20; // a 256 MiB backend's budget: anything dearer is refused up front

// Created inside the fuzzed callback: instrumented ImageSharp code (the allocator's base class
// included) may only run once SharpFuzz has attached AFL's coverage map.
GcImageAllocator? allocator = null;
ImageCounter? counter = null;

Fuzzer.OutOfProcess.Run(stream =>
{
    allocator ??= new GcImageAllocator(long.MaxValue);
    counter ??= new ImageCounter(Microsoft.Extensions.Options.Options.Create(new CountingOptions()), allocator);

    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    if (copy.Length is 0 or > MaxInputBytes)
    {
        return;
    }

    var body = copy.ToArray();
    try
    {
        var facts = counter.Identify(body);
        var cost = DecodeCostEstimator.Estimate(facts, body.Length);
        if (cost + body.Length > BudgetBytes)
        {
            return;
        }

        allocator.BeginJob(cost);
        try
        {
            counter.Count(body, facts);
        }
        finally
        {
            allocator.EndJob();
        }
    }
    catch (ImageRejectedException)
    {
        // A 4xx: what bad input must get.
    }
    catch (OutOfMemoryException)
    {
        // A worker's heap is bounded; the product answers this (docs/backend.md).
    }
});
