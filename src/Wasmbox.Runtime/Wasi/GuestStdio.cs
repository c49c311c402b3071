namespace Wasmbox.Runtime.Wasi;

/// <summary>Where the guest's stdout or stderr goes.</summary>
public abstract record OutputTarget
{
    private OutputTarget() { }

    /// <summary>The caller's own stream (a foreground <c>wasmbox run</c>).</summary>
    public sealed record Inherit : OutputTarget;

    /// <summary>A host file, created or truncated by Wasmbox (the guest never sees its path).</summary>
    public sealed record ToFile(string Path) : OutputTarget;
}

/// <summary>The guest's output streams. Its stdin is part of the policy (<c>SandboxPolicy.Stdin</c>), since it is input the sandbox is granted.</summary>
public sealed record GuestStdio(OutputTarget Stdout, OutputTarget Stderr)
{
    public static GuestStdio Inherit { get; } = new(new OutputTarget.Inherit(), new OutputTarget.Inherit());
}
