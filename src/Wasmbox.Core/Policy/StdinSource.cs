namespace Wasmbox.Core.Policy;

/// <summary>Where the guest's fd 0 reads from.</summary>
public abstract record StdinSource
{
    private StdinSource() { }

    /// <summary>The caller's own stdin (the default for a foreground <c>run</c>, as the Wasmtime CLI does).</summary>
    public sealed record Inherit : StdinSource;

    /// <summary>End of file at once (the default for sandboxes the daemon spawns).</summary>
    public sealed record None : StdinSource;

    /// <summary>The contents of a host file, opened by Wasmbox, not by the guest.</summary>
    public sealed record FromFile(string Path) : StdinSource;

    /// <summary>Parses <c>inherit</c>, <c>none</c> or a file path (resolved against <paramref name="baseDirectory"/>).</summary>
    public static StdinSource Parse(string text, string baseDirectory, string source) => text switch
    {
        "inherit" => new Inherit(),
        "none" => new None(),
        "" => throw new PolicyException($"{source}: empty; write inherit, none or a file path"),
        _ when File.Exists(Path.GetFullPath(text, baseDirectory)) => new FromFile(Path.GetFullPath(text, baseDirectory)),
        _ => throw new PolicyException($"{source} '{text}': no such file; write inherit, none or the path of a readable file"),
    };

    public override string ToString() => this switch
    {
        Inherit => "inherit",
        None => "none",
        FromFile f => f.Path,
        _ => throw new InvalidOperationException(),
    };
}
