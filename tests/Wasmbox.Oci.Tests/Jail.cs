namespace Wasmbox.Oci.Tests;

/// <summary>Containers run in the jail tier by default; these tests need bubblewrap, and say so when it is missing.</summary>
internal static class Jail
{
    public static void Require()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/bwrap"))
            Assert.Skip("wasm containers run in the jail tier, which needs Linux and bubblewrap (apt-get install -y bubblewrap)");
    }
}
