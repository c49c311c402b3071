using System.Diagnostics;
using System.Globalization;

namespace Wasmbox.Wasi.Tests.Fs;

/// <summary>
/// What the host file system really stores, read with coreutils (independently of the code under test): allocated
/// blocks as stat(1) and du(1) report them, in bytes.
/// </summary>
public static class DiskUsage
{
    /// <summary>
    /// The overshoot the quota allows itself (docs/SECURITY.md): one call's block rounding and metadata. Why 16 KiB:
    /// two partial blocks at the ends of a write, plus room for an ext4 extent block and a directory block.
    /// </summary>
    public const long Overshoot = 16 * 1024;

    /// <summary>The allocated bytes (st_blocks × the unit %B it counts in) of <paramref name="path"/> itself, a symlink not followed.</summary>
    public static long Allocated(string path)
    {
        var fields = Run("stat", "-c", "%b %B", path).Split(' ');
        return long.Parse(fields[0], CultureInfo.InvariantCulture) * long.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    /// <summary>All the blocks of the tree at <paramref name="dir"/>, directories included (du -s: a hard-linked file once).</summary>
    public static long Tree(string dir) =>
        long.Parse(Run("du", "-s", "-B1", dir).Split('\t')[0], CultureInfo.InvariantCulture);

    private static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return text.Trim();
    }
}
