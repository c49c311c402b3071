namespace Wasmbox.Jail.Syscalls;

/// <summary>One entry of the worker's syscall denylist, as people read it (docs, <c>wasmbox doctor</c>, tests).</summary>
/// <param name="Name">The syscall's name as libseccomp knows it (<c>ptrace</c>, <c>socket</c>).</param>
/// <param name="Condition">When the call is denied, in words; null when it always is.</param>
/// <param name="Errno">What the caller gets instead: <c>EPERM</c>, or <c>ENOSYS</c> where a fallback must kick in.</param>
/// <param name="Reason">One line: why the worker must not make this call.</param>
public sealed record DeniedSyscall(string Name, string? Condition, string Errno, string Reason);

/// <summary>A denylist entry that is not in the filter built on this host, because the name does not resolve here.</summary>
/// <param name="Name">The syscall's name.</param>
/// <param name="Reason">Why it does not resolve: unknown to this libseccomp, or not a syscall on this architecture.</param>
public sealed record SkippedSyscall(string Name, string Reason);
