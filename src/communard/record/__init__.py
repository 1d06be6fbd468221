"""The public record (framework-free)."""
