using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Host;

// args_get / args_sizes_get: the guest's argv (WasiOptions.Argv, argv[0] included), encoded once per host.
public sealed partial class WasiHost
{
    private EncodedStrings? _argv;

    private EncodedStrings EncodedArgv => _argv ??= new EncodedStrings(Context.Options.Argv);

    /// <summary>
    /// <c>args_get(argv, argv_buf)</c>: writes the arguments. The guest sizes both regions with <see cref="ArgsSizesGet"/> first.
    /// </summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="argv">Where the array of <c>argc</c> u32 pointers goes (aligned to 4).</param>
    /// <param name="argvBuf">Where the NUL-terminated UTF-8 strings go, packed, <c>argv_buf_size</c> bytes.</param>
    /// <returns><see cref="Errno.Success"/> always; a region out of bounds or a misaligned <paramref name="argv"/> traps, with nothing written.</returns>
    /// <remarks>
    /// For argv <c>["a", "bc"]</c>, <c>args_get(argv=16, argv_buf=32)</c> writes:
    /// <code>
    ///   16: [32 u32][34 u32]
    ///   32: 'a' 0 'b' 'c' 0
    /// </code>
    /// See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_get.
    /// </remarks>
    public Errno ArgsGet(GuestMemory memory, uint argv, uint argvBuf)
    {
        EncodedArgv.WriteTo(memory, argv, argvBuf);
        return Errno.Success;
    }

    /// <summary><c>args_sizes_get() -> (argc, argv_buf_size)</c>: the number of arguments and the bytes <see cref="ArgsGet"/> needs for the strings.</summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="argcPtr">Where <c>argc</c> goes (u32, aligned to 4).</param>
    /// <param name="argvBufSizePtr">Where the total size of the strings, NULs included, goes (u32, aligned to 4).</param>
    /// <returns><see cref="Errno.Success"/> always; a bad pointer traps, with neither value written.</returns>
    /// <remarks>For argv <c>["a", "bc"]</c>: argc = 2, argv_buf_size = 5. See docs.md#args_sizes_get.</remarks>
    public Errno ArgsSizesGet(GuestMemory memory, uint argcPtr, uint argvBufSizePtr)
    {
        EncodedArgv.WriteSizes(memory, argcPtr, argvBufSizePtr);
        return Errno.Success;
    }
}
