"""The rules of each resource kind, free of Pulumi: which inputs are valid, what a change means,
which Maytapi calls each operation makes. The dynamic resources (and any other adapter) only
translate their own types to and from these functions."""
