using System.Reflection;

namespace Wasmbox.Oci.Commands;

/// <summary><c>--version</c>: runc's first lines (tools parse "runc version" and "spec:"), then ours.</summary>
internal static class VersionText
{
    public static string Text()
    {
        var version = typeof(VersionText).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+');
        var commit = plus < 0 ? "unknown" : version[(plus + 1)..];
        return $"""
            wasmbox-oci version {(plus < 0 ? version : version[..plus])}
            commit: {commit}
            spec: {StateCommand.OciVersion}
            wasmbox: runs wasm containers (WASI preview1) in Wasmbox's sandbox; other containers go to runc
            """;
    }
}
