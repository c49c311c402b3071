using Wasmbox.Jail.Workers;

namespace Wasmbox.Jail.Tests.Net;

/// <summary>The worker's network test switches reach it through bubblewrap's empty environment, and only in a test build.</summary>
public sealed class NetTestHookTests
{
    [Fact]
    public void TestBuild_PassesTheNetSwitchesToTheWorker()
    {
#if TEST_HOOKS
        const string name = Core.Net.NetTestHooks.SkipNetCheck;
        var before = Environment.GetEnvironmentVariable(name);
        try
        {
            Environment.SetEnvironmentVariable(name, "1");
            Assert.Contains(new KeyValuePair<string, string>(name, "1"), WorkerBinary.Find().Environment);
            Environment.SetEnvironmentVariable(name, null);
            Assert.DoesNotContain(WorkerBinary.Find().Environment, kv => kv.Key == name);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, before);
        }
#else
        Assert.Skip("built without -p:WasmboxTestHooks=true (test.sh builds with it); the switches do not exist in this build");
#endif
    }

    [Fact]
    public void AnyBuild_TheWorkerEnvironmentHasNoOtherVariablesOfOurs()
    {
        // The switches are named WASMBOX_TEST_*; nothing else of this process's environment may reach the worker.
        Assert.All(WorkerBinary.Find().Environment, kv =>
            Assert.True(kv.Key == "DOTNET_EnableDiagnostics" || kv.Key.StartsWith("WASMBOX_TEST_", StringComparison.Ordinal), kv.Key));
    }
}
