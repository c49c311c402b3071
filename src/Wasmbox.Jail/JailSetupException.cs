namespace Wasmbox.Jail;

/// <summary>
/// A jail step could not be set up on this host (bubblewrap, seccomp, cgroups, rlimits, fd hygiene). The message is one
/// line for a person: what failed, the syscall or errno where there is one, and what to do (for example "run
/// wasmbox doctor"). The caller turns it into a setup failure; it is never a guest's fault.
/// </summary>
public sealed class JailSetupException(string message, Exception? inner = null) : Exception(message, inner);
