using System.Security.Cryptography;
using ImageGateway.Backend.Decoding;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ImageGateway.Backend.Tests.Decoding;

public sealed class PoisonUploadsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Contains_RememberedHash_IsTrueWithWhenAndWhy()
    {
        var poison = Poison(capacity: 4, TimeSpan.FromHours(1));
        poison.Remember(Hash(1), WorkerEnd.Deadline);

        Assert.True(poison.Contains(Hash(1), out var since, out var why));
        Assert.Equal(_time.GetUtcNow(), since);
        Assert.Equal(WorkerEnd.Deadline, why);
        Assert.False(poison.Contains(Hash(2), out _, out _));
    }

    [Fact]
    public void Contains_AfterTheLifetime_IsFalse()
    {
        var poison = Poison(capacity: 4, TimeSpan.FromHours(1));
        poison.Remember(Hash(1), WorkerEnd.Crash);

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.True(poison.Contains(Hash(1), out _, out _));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(poison.Contains(Hash(1), out _, out _));
    }

    [Fact]
    public void Remember_OverTheCapacity_ForgetsTheOldestFirst()
    {
        var poison = Poison(capacity: 3, TimeSpan.FromHours(1));
        for (var i = 1; i <= 4; i++)
        {
            poison.Remember(Hash(i), WorkerEnd.Crash);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, poison.Count);
        Assert.False(poison.Contains(Hash(1), out _, out _));
        Assert.True(poison.Contains(Hash(2), out _, out _));
        Assert.True(poison.Contains(Hash(4), out _, out _));
    }

    [Fact]
    public void Remember_ManyDistinctHashes_StaysAtTheCapacity()
    {
        var poison = Poison(capacity: 100, TimeSpan.FromHours(1));
        for (var i = 0; i < 10_000; i++)
        {
            poison.Remember(Hash(i), WorkerEnd.Crash);
        }

        Assert.Equal(100, poison.Count);
    }

    [Fact]
    public void Remember_AgainLater_RenewsTheLifetime()
    {
        var poison = Poison(capacity: 4, TimeSpan.FromHours(1));
        poison.Remember(Hash(1), WorkerEnd.Crash);
        _time.Advance(TimeSpan.FromMinutes(50));
        poison.Remember(Hash(1), WorkerEnd.Deadline);
        _time.Advance(TimeSpan.FromMinutes(50));

        Assert.True(poison.Contains(Hash(1), out _, out var why));
        Assert.Equal(WorkerEnd.Deadline, why);
    }

    [Fact]
    public void BodyHash_FromSha256_EqualForEqualBodies_AndPrintsItsFirstBytes()
    {
        var sha = SHA256.HashData("the same body"u8);

        Assert.Equal(BodyHash.From(sha), BodyHash.From(SHA256.HashData("the same body"u8)));
        Assert.NotEqual(BodyHash.From(sha), BodyHash.From(SHA256.HashData("another body"u8)));
        Assert.Equal(Convert.ToHexStringLower(sha)[..16], BodyHash.From(sha).ToString());
        Assert.Throws<ArgumentException>(() => BodyHash.From(sha.AsSpan(1)));
    }

    private static BodyHash Hash(int n) => BodyHash.From(SHA256.HashData(BitConverter.GetBytes(n)));

    private PoisonUploads Poison(int capacity, TimeSpan lifetime) =>
        new(Options.Create(new DecodingOptions { PoisonCapacity = capacity, PoisonLifetime = lifetime }), _time);
}
