using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// Where the worker executable is and how to start it, on the host and inside the jail.
/// </summary>
/// <remarks>
/// Two layouts: the published one (<c>wasmbox.sh</c>), where <c>wasmbox-worker</c> is a NativeAOT executable beside
/// <c>wasmbox</c> and <c>libwasmtime.so</c>; and a build or test output, where <c>wasmbox-worker.dll</c> runs on the
/// dotnet host that runs us. The dll wins when both are there, since a build output may hold a stale native file.
/// </remarks>
/// <param name="Directory">The folder that holds the worker (bound read-only at /app in the jail).</param>
/// <param name="HostCommand">argv to start it outside a jail (the process tier).</param>
/// <param name="JailCommand">argv to start it inside the jail.</param>
/// <param name="ExtraReadOnly">Folders the jail must show besides /usr: a dotnet installation elsewhere.</param>
/// <param name="Environment">Variables the worker needs (bubblewrap clears everything else).</param>
public sealed record WorkerBinary(
    string Directory,
    IReadOnlyList<string> HostCommand,
    IReadOnlyList<string> JailCommand,
    IReadOnlyList<string> ExtraReadOnly,
    IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    public const string NativeName = "wasmbox-worker", DllName = "wasmbox-worker.dll";

    /// <summary>Finds the worker beside this program; throws <see cref="JailSetupException"/> when it is not there.</summary>
    public static WorkerBinary Find() => Find(AppContext.BaseDirectory);

    internal static WorkerBinary Find(string directory)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        // The runtime's diagnostics IPC socket would be a way out of nothing, but it is one more thing listening.
        KeyValuePair<string, string>[] env = [new("DOTNET_EnableDiagnostics", "0"), .. TestHookEnvironment()];
        var dll = Path.Combine(directory, DllName);
        if (File.Exists(dll))
        {
            var dotnet = DotnetHost();
            var root = Path.GetDirectoryName(dotnet)!;
            return new WorkerBinary(directory, [dotnet, dll], [dotnet, $"{Bubblewrap.JailLayout.App}/{DllName}"],
                root.StartsWith("/usr/", StringComparison.Ordinal) ? [] : [root], env);
        }
        var native = Path.Combine(directory, NativeName);
        if (File.Exists(native))
            return new WorkerBinary(directory, [native], [$"{Bubblewrap.JailLayout.App}/{NativeName}"], [], env);
        throw new JailSetupException($"the worker ({NativeName}) is missing from {directory}; rebuild wasmbox (./wasmbox.sh) so that it sits beside wasmbox");
    }

    /// <summary>
    /// Test builds only: the network test switches set in this process's environment, passed on to the worker (bubblewrap
    /// starts it with an empty environment). Empty in every other build.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> TestHookEnvironment()
    {
#if TEST_HOOKS
        foreach (var name in Core.Net.NetTestHooks.Names)
            if (System.Environment.GetEnvironmentVariable(name) is { } value) yield return new(name, value);
#else
        yield break;
#endif
    }

    /// <summary>The dotnet executable of the runtime this process runs on (…/dotnet/shared/Microsoft.NETCore.App/VERSION/ → …/dotnet/dotnet), links resolved.</summary>
    private static string DotnetHost()
    {
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var host = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
        if (!File.Exists(host)) throw new JailSetupException($"cannot find the dotnet host beside the runtime in {runtimeDir}; publish wasmbox with ./wasmbox.sh");
        var resolved = new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? host;
        return resolved;
    }
}
