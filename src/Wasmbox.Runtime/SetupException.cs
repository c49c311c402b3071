using Wasmbox.Core.Outcomes;

namespace Wasmbox.Runtime;

/// <summary>Setting up a sandbox failed for a reason the user can fix; becomes <see cref="RunOutcome.SetupFailed"/>.</summary>
/// <remarks>The message is one line that says what is wrong and what to do, without the "wasmbox: " prefix.</remarks>
public sealed class SetupException(SetupStage stage, string message) : Exception(message)
{
    public SetupStage Stage { get; } = stage;
}
