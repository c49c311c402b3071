using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests;

/// <summary>A data dir, a fake starter, and an open supervisor with one stored module.</summary>
internal sealed class Fixture : IAsyncDisposable
{
    public static readonly byte[] Module = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    private Fixture(TempDir dir, FakeStarter starter, global::Wasmbox.Supervisor.Table.Supervisor supervisor, string sha)
    {
        Dir = dir;
        Starter = starter;
        Supervisor = supervisor;
        Sha = sha;
    }

    public TempDir Dir { get; }
    public FakeStarter Starter { get; }
    public global::Wasmbox.Supervisor.Table.Supervisor Supervisor { get; set; }
    public string Sha { get; }

    /// <summary>Ceilings that allow the process tier, so the default policy (no tier: jail) and explicit tiers pass.</summary>
    public static SupervisorOptions Options(Func<SupervisorOptions, SupervisorOptions>? change = null) =>
        (change ?? (o => o))(new SupervisorOptions());

    public static async Task<Fixture> OpenAsync(SupervisorOptions? options = null)
    {
        var dir = new TempDir("wasmbox-sup");
        var starter = new FakeStarter();
        var supervisor = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(dir.Path, starter, options);
        var sha = supervisor.Modules.Put(new MemoryStream(Module));
        return new Fixture(dir, starter, supervisor, sha);
    }

    public CreateSandboxRequest Request(string? name = null, params string[] args) =>
        new(Sha, args, SandboxPolicy.DenyAll) { Name = name };

    public async ValueTask DisposeAsync()
    {
        Starter.KillAll();
        try { await Supervisor.DisposeAsync(); }
        catch (ObjectDisposedException) { }
        Dir.Dispose();
    }
}
