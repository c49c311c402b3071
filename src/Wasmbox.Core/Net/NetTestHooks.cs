#if TEST_HOOKS
namespace Wasmbox.Core.Net;

/// <summary>
/// Test-only switches of the worker's network (built only with <c>-p:WasmboxTestHooks=true</c>, as test.sh builds; never
/// in wasmbox.sh's build). The parent passes them into the jail, whose environment bubblewrap clears.
/// </summary>
public static class NetTestHooks
{
    /// <summary><c>1</c>: the WASI host skips its own check, so a test sees the broker's alone (<c>RunRequest.SkipNetCheck</c>).</summary>
    public const string SkipNetCheck = "WASMBOX_TEST_SKIP_NET_CHECK";

    /// <summary><c>1</c>: the jailed worker opens sockets itself (<c>DirectSocketOpener</c>), to show the jail has no network of its own.</summary>
    public const string DirectNet = "WASMBOX_TEST_DIRECT_NET";

    public static IReadOnlyList<string> Names { get; } = [SkipNetCheck, DirectNet];

    public static bool IsOn(string name) => Environment.GetEnvironmentVariable(name) == "1";
}
#endif
