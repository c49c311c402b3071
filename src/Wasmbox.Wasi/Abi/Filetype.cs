namespace Wasmbox.Wasi.Abi;

/// <summary>The type of a file descriptor or file (u8). docs.md#filetype</summary>
public enum Filetype : byte
{
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}
