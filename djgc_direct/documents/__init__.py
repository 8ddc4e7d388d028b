"""Official documents (.docx) produced by the direct line, laid out after GB/T 9704-2012."""
