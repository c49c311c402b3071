namespace Wasmbox.Core.Wasm;

/// <summary>
/// Raised by <see cref="InstructionWalker"/> when it meets an opcode whose immediates it does not know.
/// </summary>
/// <remarks>
/// Guessing the length of an unknown instruction could make the walker read immediates as
/// opcodes and rewrite a byte that merely looks like <c>memory.grow</c>, so an unknown opcode
/// always stops the instrumentation instead.
/// </remarks>
internal sealed class UnknownOpcodeException : WasmFormatException
{
    /// <summary>Creates the exception; <paramref name="opcode"/> is the opcode as text, e.g. <c>0xFD 0x114</c>.</summary>
    public UnknownOpcodeException(string opcode, int offset)
        : base($"unknown opcode {opcode}", offset)
    {
        Opcode = opcode;
    }

    /// <summary>The opcode as text, prefix byte first for prefixed opcodes.</summary>
    public string Opcode { get; }
}
