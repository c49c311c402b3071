using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Ceilings;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.Modules;

namespace Wasmbox.Supervisor.Table;

/// <summary>The daemon's settings for its supervisor.</summary>
public sealed record SupervisorOptions
{
    public OperatorCeilings Ceilings { get; init; } = OperatorCeilings.Default;

    /// <summary>Sandboxes created or running at once; one more is refused with <see cref="SupervisorError.TooManySandboxes"/>.</summary>
    public int MaxLiveSandboxes { get; init; } = 64;

    public LogOptions Logs { get; init; } = new();

    public long MaxModuleBytes { get; init; } = ModuleStore.DefaultMaxBytes;

    /// <summary>
    /// How long a graceful shutdown lets running sandboxes finish before it kills them (<c>--shutdown-grace</c>); then
    /// <see cref="Supervisor.KillRecordGrace"/> more for their ends to be recorded, else they are marked lost at the next start.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>A request to create and start one sandbox.</summary>
/// <param name="ModuleSha256">A module already in the module store.</param>
/// <param name="Args">The guest's arguments after argv[0].</param>
/// <param name="Policy">Built from the API's policy settings; checked against the operator's ceilings here.</param>
public sealed record CreateSandboxRequest(string ModuleSha256, IReadOnlyList<string> Args, SandboxPolicy Policy)
{
    /// <summary>The guest's argv[0]; defaults to the module's file name in the store.</summary>
    public string? Argv0 { get; init; }

    /// <summary>Unique among all records kept; letters, digits, <c>_ . -</c>, at most 63 characters.</summary>
    public string? Name { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The guest's whole stdin; null for an empty one. Not stored: a record remembers what ran, not its input.</summary>
    public byte[]? Stdin { get; init; }

    /// <summary>When the sandbox runs again after a run ends; every run gets the same stdin.</summary>
    public RestartPolicy Restart { get; init; } = RestartPolicy.No;
}

/// <summary>Which records <see cref="Supervisor.List"/> returns; all filters combine.</summary>
/// <param name="Label"><c>key</c> (has the label) or <c>key=value</c>.</param>
public sealed record SandboxFilter(SandboxState? State = null, string? Label = null, string? Name = null);
