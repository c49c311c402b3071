namespace Wasmbox.Programs.Tests.Differential;

/// <summary>
/// One real input of a corpus program: the guest's arguments, the folder it works in, what it is granted, and what
/// the oracle must show for the case to count as having run at all.
/// </summary>
/// <param name="Name">The case's name in the test's display name.</param>
/// <param name="Args">The guest's arguments after its argv[0] (the module path).</param>
public sealed record ProgramCase(string Name, string[] Args)
{
    /// <summary>A folder under Inputs/PROGRAM/ whose contents are copied into a fresh folder for every run; null
    /// starts every run in an empty folder. Everything in that folder after the run is compared.</summary>
    public string? Inputs { get; init; }

    /// <summary>The grants; each host folder is relative to the run's folder and is created when the inputs lack it.</summary>
    public Grant[] Grants { get; init; } = [];

    /// <summary>Guest environment variables, NAME=VALUE.</summary>
    public string[] Env { get; init; } = [];

    /// <summary>A file of the run's folder whose bytes are written to the guest's stdin (a pipe, as a shell gives
    /// it); null closes stdin at once.</summary>
    public string? Stdin { get; init; }

    /// <summary>The oracle's exit status: a case whose oracle run ends otherwise is a broken case (or a module that
    /// neither side can run), never a pass.</summary>
    public int ExitCode { get; init; }

    /// <summary>Text the oracle's stdout or stderr must contain.</summary>
    public string? Shows { get; init; }

    /// <summary>A file (relative to the run's folder) the oracle must have written.</summary>
    public string? Writes { get; init; }

    public override string ToString() => Name;
}

/// <summary>A directory grant: <c>--dir HOST::GUEST</c>, or <c>--ro-dir</c> when <paramref name="ReadOnly"/>.</summary>
public sealed record Grant(string Host, string Guest, bool ReadOnly = false)
{
    public static Grant Ro(string host, string guest) => new(host, guest, ReadOnly: true);

    public static Grant Rw(string host, string guest) => new(host, guest);
}
