using System.Runtime.InteropServices;

namespace Wasmbox.Jail.Interop;

internal static partial class Seccomp
{
    /// <summary>The Debian runtime package libseccomp2 ships this soname; no headers are needed.</summary>
    public const string Library = "libseccomp.so.2";

    [StructLayout(LayoutKind.Sequential)]
    public struct ScmpVersion
    {
        public uint Major;
        public uint Minor;
        public uint Micro;
    }

    /// <summary>
    /// <c>const struct scmp_version *seccomp_version(void)</c>: a pointer to a static struct owned by the library.
    /// Call only after <see cref="NativeLibrary.TryLoad(string, out nint)"/> found the library.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "seccomp_version")]
    public static unsafe partial ScmpVersion* SeccompVersion();
}
