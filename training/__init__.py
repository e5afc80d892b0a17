"""regenlab's distributed training lab: one process, DDP, FSDP2 and DeepSpeed ZeRO 1/2/3 compared.

Memory per rank against ZeRO's formulas, throughput, loss, and fault tolerance (a rank killed
mid-training restarts from a sharded checkpoint). Commands: `experiment train …`.
"""
