namespace Wasmbox.Jail.Tests;

/// <summary>Skips, visibly, a test that probes the real host and needs Linux.</summary>
internal static class LinuxOnly
{
    public static void Require()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("probes the real host's Linux isolation layers; this is not Linux");
    }
}
