#!/usr/bin/env bash
# Example mbcost commands; tests/test_examples.py runs each line and checks it exits 0.
mbcost table --alpha 0.5 --res 160
mbcost table v2 --alpha 0.75 --rho 0.857 --by role
mbcost table v3-large --impl torchvision --alpha 0.75 --format json
mbcost table v1 --by role --format md
mbcost table v2 --impl torchvision --convention fvcore --by role
mbcost compare standard depthwise
mbcost compare standard depthwise --alpha 0.75 --rho 0.714
mbcost compare standard depthwise grouped --groups 4 --k 3 --m 32 --n 64 --df 112
mbcost compare depthwise inverted --m 24 --n 24 --df 56 --expansion 6 --format csv
mbcost archs
