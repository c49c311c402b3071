namespace Wasmbox.Core.Policy;

/// <summary>
/// A policy that cannot be built: a bad flag value, a bad policy file, a grant that does not exist.
/// The message is one line for a person: what is wrong and what to do, without the "wasmbox: " prefix.
/// </summary>
public sealed class PolicyException(string message) : Exception(message);
