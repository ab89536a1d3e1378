using System.Text.Json.Serialization;
using ImageGateway.Backend.Counting;
using Microsoft.AspNetCore.Mvc;

namespace ImageGateway.Backend.Api;

/// <summary>
/// Source-generated JSON for everything the counting endpoint writes: the backend is published
/// Native AOT (docs/backend.md, "Form and GC settings"), where reflection-based serialization is not
/// available.
/// </summary>
[JsonSerializable(typeof(CountResult))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
internal sealed partial class CountingJsonContext : JsonSerializerContext;
