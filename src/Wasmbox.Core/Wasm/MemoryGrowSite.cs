namespace Wasmbox.Core.Wasm;

/// <summary>
/// Where one <c>memory.grow</c> instruction sits in a function body, as found by
/// <see cref="InstructionWalker"/>.
/// </summary>
/// <param name="Position">Offset of the <c>0x40</c> opcode, relative to the walked data.</param>
/// <param name="Length">Bytes taken by the opcode and its memory index immediate.</param>
/// <param name="MemoryIndex">The memory the instruction grows.</param>
internal readonly record struct MemoryGrowSite(int Position, int Length, uint MemoryIndex);
