namespace Wasmbox.Jail.Bubblewrap;

/// <summary>
/// Where things are inside the jail. Fixed paths, so that nothing about the host (its user name, the checkout's
/// folder, the cache's location) shows through to the guest or to a compromised worker.
/// </summary>
public static class JailLayout
{
    /// <summary>The worker's own folder (the executable and <c>libwasmtime.so</c>), read-only.</summary>
    public const string App = "/app";

    /// <summary>The module to run: the verified cache artifact, or the module file itself with <c>--no-cache</c>; read-only.</summary>
    public const string ModuleDir = "/run/wasmbox";

    /// <summary>
    /// Grant <c>n</c> is mounted at <c>/grants/n</c>, not at its guest path.
    /// Why: a guest path may be <c>/</c>, <c>/usr</c> or <c>/app</c>, and mounting there would hide or replace what the
    /// worker itself runs from. The guest never sees this path anyway: it opens the grant by its preopen name.
    /// </summary>
    public static string Grant(int index) => $"/grants/{index}";
}
