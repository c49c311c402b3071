namespace Wasmbox.Runtime.Wasi;

/// <summary>Where the guest's stdout or stderr goes.</summary>
public abstract record OutputTarget
{
    private OutputTarget() { }

    /// <summary>The caller's own stream (a foreground <c>wasmbox run</c>).</summary>
    public sealed record Inherit : OutputTarget;

    /// <summary>A host file, created or truncated by Wasmbox (the guest never sees its path).</summary>
    public sealed record ToFile(string Path) : OutputTarget;

    /// <summary>A stream the caller owns (library capture, the worker's output frames); not disposed by the run.</summary>
    public sealed record ToStream(Stream Stream) : OutputTarget;
}

/// <summary>The guest's output streams. Its stdin is part of the policy (<c>SandboxPolicy.Stdin</c>), since it is input the sandbox is granted.</summary>
public sealed record GuestStdio(OutputTarget Stdout, OutputTarget Stderr)
{
    /// <summary>
    /// When set, the guest's fd 0 reads this stream instead of the policy's stdin source (the worker feeds the stdin
    /// frames from its parent through it). The run takes it over and disposes it when the guest's descriptors close.
    /// </summary>
    public Stream? StdinOverride { get; init; }

    public static GuestStdio Inherit { get; } = new(new OutputTarget.Inherit(), new OutputTarget.Inherit());
}
