using System.Security.Cryptography;

namespace Wasmbox.Core.Caching;

/// <summary>
/// The cache's secret: 32 random bytes in <c>secret.key</c> (mode 0600) inside the cache folder (mode 0700). Every
/// entry carries an HMAC under it, so an entry can only have been written by someone who could read the secret.
/// </summary>
/// <remarks>
/// Why a secret and not a plain hash: a plain SHA-256 and the entry's key can be recomputed by anyone who can write the
/// file, including a guest granted a folder that covers the cache, who could then swap in other native code for another
/// module. The secret is never granted to a guest: a grant that is, contains or lies inside the cache folder is refused
/// (<see cref="ModuleCache.Overlaps"/>), and the jail binds only one verified entry, never the folder.
/// </remarks>
internal static class CacheSecret
{
    public const string FileName = "secret.key";
    private const int Length = 32;

    /// <summary>Reads the secret, creating it (and the folder) on first use. Null when it can be neither read nor made.</summary>
    public static byte[]? LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            if (TryRead(path) is { } secret) return secret;
            try
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
                else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var temp = Path.Combine(directory, $".secret.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                var fresh = RandomNumberGenerator.GetBytes(Length);
                using (var file = new FileStream(temp, OwnerOnlyNewFile()))
                {
                    file.Write(fresh);
                    file.Flush(flushToDisk: true);
                }
                try
                {
                    // Never overwrites: when two processes race, the first one's secret stands and the other reads it.
                    File.Move(temp, path, overwrite: false);
                    return fresh;
                }
                catch (IOException)
                {
                    File.Delete(temp);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (TryRead(path) is { } existing) return existing;
                if (attempt > 2) return null;
            }
            Thread.Sleep(5);
        }
        return null;
    }

    /// <summary>Options that create a new file (never an existing one, never through a link) only its owner can read.</summary>
    public static FileStreamOptions OwnerOnlyNewFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    /// <summary>The secret, if the file is a regular file of exactly 32 bytes that only its owner can read.</summary>
    private static byte[]? TryRead(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length != Length) return null;
            if (!OperatingSystem.IsWindows() && (info.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                return null;
            var bytes = File.ReadAllBytes(path);
            return bytes.Length == Length ? bytes : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
