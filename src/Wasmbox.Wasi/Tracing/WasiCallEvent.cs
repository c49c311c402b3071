using Wasmbox.Wasi.Abi;

namespace Wasmbox.Wasi.Tracing;

/// <summary>One WASI call as the trace and the audit see it.</summary>
/// <param name="Name">The import name, e.g. <c>path_open</c>.</param>
/// <param name="Arguments">Decoded arguments: paths as strings, flags by name.</param>
/// <param name="Result">The errno returned to the guest (Success included).</param>
/// <param name="Elapsed">Time spent in the host.</param>
/// <param name="Refusal">Why the policy refused the call (null when it was not refused by policy).</param>
public sealed record WasiCallEvent(string Name, string Arguments, Errno Result, TimeSpan Elapsed, string? Refusal);

/// <summary>Receives every WASI call of a sandbox (<c>--trace</c> prints them; the library can keep them).</summary>
public interface IWasiTraceSink
{
    void OnCall(WasiCallEvent call);
}
