using Wasmbox.Runtime;
using Wasmbox.Runtime.Engines;
using Wasmbox.Runtime.Modules;

namespace Wasmbox.Worker;

/// <summary>
/// <c>wasmbox-worker --compile fuel|nofuel epoch|noepoch MODULE</c>: compiles MODULE for the engine a run with those
/// settings uses, and writes the serialized artifact to stdout. The parent (Jail's <c>CompileWorker</c>) bounds this
/// process in time and memory and authenticates the bytes into its cache; this process never sees the cache.
/// </summary>
/// <remarks>Exit 0 with the artifact; 65 with one line on stderr when the module is at fault; 2 for bad arguments.</remarks>
internal static class CompileMode
{
    private const int ModuleRejected = 65, BadArguments = 2;

    public static int Run(string[] args)
    {
        if (args is not [var fuel and ("fuel" or "nofuel"), var epoch and ("epoch" or "noepoch"), var module])
        {
            Console.Error.WriteLine("wasmbox-worker: usage: --compile fuel|nofuel epoch|noepoch MODULE");
            return BadArguments;
        }
        byte[] artifact;
        try
        {
            artifact = ModuleLoader.CompileToArtifact(module, new EngineSettings(Fuel: fuel == "fuel", Epoch: epoch == "epoch"));
        }
        catch (SetupException e)
        {
            Console.Error.WriteLine(e.Message);
            return ModuleRejected;
        }
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(artifact);
        stdout.Flush();
        return 0;
    }
}
