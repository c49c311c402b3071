using System.Runtime.InteropServices;
using Wasmbox.Jail.Interop;

namespace Wasmbox.Jail.Probes;

/// <summary>The <c>Seccomp:</c> and <c>Seccomp_filters:</c> lines of <c>/proc/self/status</c>.</summary>
/// <param name="Mode">0 none, 1 strict, 2 filter.</param>
/// <param name="Filters">Filters attached to this process; null on kernels that do not print the line.</param>
public sealed record SeccompStatus(int Mode, int? Filters);

/// <summary>
/// Layer "seccomp": libseccomp.so.2 loads (Wasmbox builds its filter through it) and the kernel supports seccomp filters.
/// </summary>
public static class SeccompProbe
{
    public const string InstallCommand = "apt-get install -y libseccomp2";

    public static LayerStatus Probe()
    {
        string? version = null;
        var loaded = NativeLibrary.TryLoad(Seccomp.Library, out var handle);
        if (loaded)
        {
            version = ReadLibraryVersion();
            NativeLibrary.Free(handle);
        }
        string status;
        try { status = File.ReadAllText("/proc/self/status"); }
        catch (IOException) { status = ""; }
        var prctl = Sys.Prctl(Sys.PR_GET_SECCOMP, 0, 0, 0, 0);
        var errno = prctl < 0 ? Marshal.GetLastPInvokeError() : 0;
        return Interpret(loaded, version, ParseStatus(status), prctl, errno);
    }

    private static unsafe string? ReadLibraryVersion()
    {
        // The library is loaded by now (TryLoad above keeps it resident), so this import cannot fail to resolve.
        var v = Seccomp.SeccompVersion();
        return v is null ? null : $"{v->Major}.{v->Minor}.{v->Micro}";
    }

    /// <summary>Finds the Seccomp lines in the text of <c>/proc/self/status</c>; null when there is no <c>Seccomp:</c> line.</summary>
    internal static SeccompStatus? ParseStatus(string procSelfStatus)
    {
        int? mode = null, filters = null;
        foreach (var line in procSelfStatus.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon];
            if (!int.TryParse(line[(colon + 1)..].Trim(), out var value)) continue;
            if (key == "Seccomp") mode = value;
            else if (key == "Seccomp_filters") filters = value;
        }
        return mode is { } m ? new SeccompStatus(m, filters) : null;
    }

    internal static LayerStatus Interpret(bool libraryLoaded, string? libraryVersion, SeccompStatus? status, int prctlResult, int prctlErrno)
    {
        var library = libraryLoaded ? $"libseccomp {libraryVersion ?? "(unknown version)"}" : $"{Seccomp.Library} not loadable";
        var kernelOk = status is not null && prctlResult >= 0;
        var kernel = kernelOk
            ? $"kernel seccomp mode {status!.Mode} for this process{(status.Filters is { } f ? $", {f} filters" : "")}"
            : status is null
                ? "no Seccomp line in /proc/self/status: the kernel has no seccomp"
                : $"prctl(PR_GET_SECCOMP) failed with errno {prctlErrno}";
        var detail = $"{library}; {kernel}";
        if (!libraryLoaded) return new LayerStatus(Layers.Seccomp, false, detail, InstallCommand);
        if (!kernelOk) return new LayerStatus(Layers.Seccomp, false, detail, "use a kernel built with CONFIG_SECCOMP_FILTER=y");
        return new LayerStatus(Layers.Seccomp, true, detail, null);
    }
}
