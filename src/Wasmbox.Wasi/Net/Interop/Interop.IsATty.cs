using System.Runtime.InteropServices;

namespace Wasmbox.Wasi.Net.Interop;

internal static partial class Sys
{
    /// <summary><c>isatty(3)</c>: 1 when <paramref name="fd"/> is a terminal.</summary>
    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);
}
