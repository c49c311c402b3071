using Microsoft.Win32.SafeHandles;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// The directory that holds the last component of a guest path, resolved beneath the guest's directory descriptor,
/// and that last name. Operations on the final component (unlinkat, mkdirat, renameat, …) act on <see cref="Name"/>
/// relative to <see cref="Dir"/>, so the kernel never walks the guest's path again outside our checks.
/// </summary>
/// <remarks>Disposing closes <see cref="Dir"/> when it was opened for this resolution (not when it is the guest's own descriptor).</remarks>
internal sealed class ResolvedParent(SafeFileHandle dir, bool owned, string name, bool trailingSlash) : IDisposable
{
    /// <summary>An <c>O_PATH|O_DIRECTORY</c> handle of the parent directory, beneath the starting directory.</summary>
    public SafeFileHandle Dir { get; } = dir;

    /// <summary>One component, never empty, never containing '/', never <c>..</c>; <c>.</c> when the path names a directory itself (<c>a/..</c>, <c>.</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The guest wrote the path with a trailing '/': the final component must be a directory.</summary>
    public bool TrailingSlash { get; } = trailingSlash;

    public void Dispose()
    {
        if (owned) Dir.Dispose();
    }
}
