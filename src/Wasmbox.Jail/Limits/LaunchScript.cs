using System.Text;

namespace Wasmbox.Jail.Limits;

/// <summary>
/// The shell script a worker starts through: <c>/bin/sh -c SCRIPT sh PROGRAM ARGS…</c>. It joins the worker's cgroups,
/// sets the rlimits and execs PROGRAM, so everything PROGRAM forks is born inside the limits.
/// </summary>
/// <remarks>
/// <para>Shape (each step stops the launch on failure):</para>
/// <code>
/// fail() { echo "wasmbox: $*" >&amp;2; exit 125; }
/// [ $# -gt 0 ] || fail 'launch script: no program to run'
/// echo $$ >'/sys/fs/cgroup/…/wasmbox-NAME/cgroup.procs' || fail 'cannot join cgroup' '…'
/// ulimit -c 0 || fail 'cannot set RLIMIT_CORE to 0'
/// ulimit -n 1024 || fail …
/// ulimit -f BLOCKS || fail …      (512-byte blocks)
/// trap '' XFSZ                    (only with -f: a write past it is EFBIG, not a kill)
/// ulimit -t SECONDS || fail …
/// exec "$@"
/// </code>
/// <para>A worker outside its cgroup would run unlimited, so any failed write exits 125 ("the tool itself failed")
/// with a line on stderr and never execs. <c>echo</c> and <c>ulimit</c> are shell builtins: the shell does not fork
/// before it has joined. <c>ulimit</c> without -H/-S sets the soft and the hard limit together, so the worker cannot
/// raise either back. Written for POSIX sh; checked against dash (Debian's /bin/sh).</para>
/// </remarks>
public static class LaunchScript
{
    /// <summary>The script's exit status when it cannot join a cgroup or set a limit.</summary>
    public const int SetupFailedExitCode = 125;

    /// <param name="procsFiles">Absolute <c>cgroup.procs</c> paths, usually <see cref="Cgroups.WorkerCgroup.ProcsFiles"/>.</param>
    /// <exception cref="ArgumentException">A path that is not absolute or holds a NUL, or a limit out of range.</exception>
    public static string Build(IReadOnlyList<string> procsFiles, ProcessRlimits limits)
    {
        ArgumentNullException.ThrowIfNull(procsFiles);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        var s = new StringBuilder();
        s.Append("fail() { echo \"wasmbox: $*\" >&2; exit ").Append(SetupFailedExitCode).Append("; }\n");
        s.Append("[ $# -gt 0 ] || fail 'launch script: no program to run'\n");
        foreach (var file in procsFiles)
        {
            if (!file.StartsWith('/') || file.Contains('\0'))
                throw new ArgumentException($"a cgroup.procs path must be absolute and hold no NUL: '{file}'", nameof(procsFiles));
            var q = Quote(file);
            s.Append("echo $$ >").Append(q).Append(" || fail 'cannot join cgroup' ").Append(q).Append('\n');
        }
        Ulimit(s, 'c', 0, "RLIMIT_CORE to 0");
        if (limits.OpenFiles is { } n) Ulimit(s, 'n', n, $"RLIMIT_NOFILE to {n}");
        if (limits.FileSizeBlocks is { } blocks)
        {
            Ulimit(s, 'f', blocks, $"RLIMIT_FSIZE to {blocks * ProcessRlimits.FileSizeBlock} bytes");
            // Why: without this, a write past the limit kills the worker with SIGXFSZ. Ignored, the write fails with
            // EFBIG, which the WASI host hands to the guest as its own errno. A disposition of SIG_IGN survives exec.
            s.Append("trap '' XFSZ\n");
        }
        if (limits.CpuSeconds is { } t) Ulimit(s, 't', t, $"RLIMIT_CPU to {t} s");
        s.Append("exec \"$@\"\n");
        return s.ToString();
    }

    /// <summary>Single-quotes a word for sh: nothing inside is special except the quote itself, written as '\''.</summary>
    internal static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Ulimit(StringBuilder s, char option, ulong value, string what) =>
        s.Append("ulimit -").Append(option).Append(' ').Append(value).Append(" || fail 'cannot set ").Append(what).Append("'\n");
}
