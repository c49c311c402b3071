using Wasmbox.Core.Policy;
using Wasmbox.Jail.Bubblewrap;

namespace Wasmbox.Jail.Tests.Bubblewrap;

public class BubblewrapArgsTests
{
    private static JailSpec Spec(params DirGrant[] grants) => new(
        "/opt/wasmbox", ["/app/wasmbox-worker"], [], "/home/u/.cache/wasmbox/abc.cwasm", "/run/wasmbox/module.cwasm",
        grants, SeccompFd: 7, [new("DOTNET_EnableDiagnostics", "0")]);

    private static List<string> Build(JailSpec spec) =>
        BubblewrapArgs.Build(spec, root => root switch
        {
            "/lib" => new SystemRootKind.Link("usr/lib"),
            "/lib64" => new SystemRootKind.Folder(),
            _ => new SystemRootKind.Absent(),
        });

    /// <summary>The pairs and triples of the argument list, so a test can look for "--ro-bind A B" as one unit.</summary>
    private static string Joined(List<string> args) => " " + string.Join(" ", args) + " ";

    [Fact]
    public void Build_Always_UnsharesEverythingDropsCapabilitiesAndDiesWithItsParent()
    {
        var args = Build(Spec());
        foreach (var flag in new[] { "--unshare-all", "--die-with-parent", "--new-session", "--clearenv" })
            Assert.Contains(flag, args);
        Assert.Contains(" --cap-drop ALL ", Joined(args));
        Assert.DoesNotContain("--share-net", args);
        Assert.Contains(" --seccomp 7 ", Joined(args));
    }

    [Fact]
    public void Build_HostView_IsUsrAndNothingElseOfTheSystem()
    {
        var joined = Joined(Build(Spec()));
        Assert.Contains(" --ro-bind /usr /usr ", joined);
        Assert.Contains(" --symlink usr/lib /lib ", joined);
        Assert.Contains(" --ro-bind /lib64 /lib64 ", joined);
        Assert.DoesNotContain("/etc", joined);
        Assert.DoesNotContain("/home/u ", joined);
        Assert.DoesNotContain(" / / ", joined);
        Assert.Contains(" --proc /proc --dev /dev --tmpfs /tmp ", joined);
    }

    [Fact]
    public void Build_Grants_AreBoundAtTheirIndexReadOnlyWhereTheGrantIs()
    {
        var joined = Joined(Build(Spec(new DirGrant("/srv/data", "/data", false), new DirGrant("/srv/ref", "/", true))));
        Assert.Contains(" --bind /srv/data /grants/0 ", joined);
        Assert.Contains(" --ro-bind /srv/ref /grants/1 ", joined);
        // A guest path of "/" is a preopen name, never a mount point.
        Assert.DoesNotContain("/srv/ref / ", joined);
    }

    [Fact]
    public void Build_WorkerAndModule_AreReadOnlyAndTheCommandComesLast()
    {
        var args = Build(Spec(new DirGrant("/srv/data", "/data", false)));
        var joined = Joined(args);
        Assert.Contains(" --ro-bind /opt/wasmbox /app ", joined);
        Assert.Contains(" --ro-bind /home/u/.cache/wasmbox/abc.cwasm /run/wasmbox/module.cwasm ", joined);
        Assert.Contains(" --setenv DOTNET_EnableDiagnostics 0 ", joined);
        Assert.Equal(["--", "/app/wasmbox-worker"], args[^2..]);
        // The grants come after the system view, so no grant can be hidden under a later mount.
        Assert.True(args.IndexOf("--bind") > args.LastIndexOf("/usr"));
    }

    [Fact]
    public void Build_ModuleFolder_IsBoundReadOnlyBeforeTheModuleFileOverItsPlaceholder()
    {
        var args = Build(Spec() with { ModuleFolder = "/tmp/wasmbox-module-1-2" });
        var joined = Joined(args);
        Assert.Contains(" --ro-bind /tmp/wasmbox-module-1-2 /run/wasmbox ", joined);
        Assert.True(joined.IndexOf(" /run/wasmbox ", StringComparison.Ordinal) < joined.IndexOf(" /run/wasmbox/module.cwasm ", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_PooledWorker_HasTheFolderAndNoModuleFile()
    {
        var joined = Joined(Build(Spec() with { Module = null, ModuleFolder = "/srv/pool/wasmbox-module-1-3" }));
        Assert.Contains(" --ro-bind /srv/pool/wasmbox-module-1-3 /run/wasmbox ", joined);
        Assert.DoesNotContain("module.cwasm", joined);
    }
}
