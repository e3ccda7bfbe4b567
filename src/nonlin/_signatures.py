"""What a file that is not safetensors is, from its first bytes: the messages of
``_header.header_length`` say "this is a zip archive (such as a PyTorch .pt/.pth or Keras
.keras file), not a safetensors file" rather than quoting a nonsensical header length."""

from __future__ import annotations

from ._quoting import quoted

# Leading bytes of formats that are not safetensors, to say what the file really is.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (such as a PyTorch .pt/.pth or Keras .keras file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (such as a Keras .h5 file)"),
    (b"\x1f\x8b", "a gzip file"),
)


def what_is_it(data: bytes) -> str:
    """A phrase naming a foreign file format from its first bytes, or ""."""
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return "a Python pickle (it is never unpickled: pickles can run code)"
    if len(data) >= 8 and all(32 <= b < 127 or b in b"\t\n\r" for b in data[:8]):  # no length
        return f"a text file (it starts with {quoted(data[:8].decode())}, a CSV file say)"
    return ""
