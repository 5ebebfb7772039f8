"""Short common English words, for secrets such as ``muddy art winter recipe aged lab``."""

from __future__ import annotations

import random

_TEXT = """
    able acid aged air alarm album alert alley amber angle ankle apple april apron arch
    arena arm army arrow art ash atlas attic aunt autumn award axis baby bacon badge bag
    baker ball bamboo band bank barn basil basket bath beach bean bear beard bed bee beef
    bell belt bench berry bike bird black blade blank blend blind block bloom blue board
    boat body bold bolt bone book boot bottle bow bowl box brave bread brick bride bright
    brook brown brush bucket bud bug bulb bunny burst bus bush butter cabin cable cake
    calm camel camp candle canoe canvas cap card cargo carpet carrot cart castle cat cave
    cedar chain chair chalk charm cheese cherry chess chest chief chin city clay clean
    cliff clock cloud clown coast coat cocoa coin cold comet coral cork corn cotton couch
    cousin cow crab crane creek crisp crow crown cube cup curly curve daisy damp dance
    dark dawn deer delta denim desert desk dew diary dice dinner dish dock dog doll dolphin
    door dove dragon drama dream dress drum duck dune dusty eagle early earth easel east
    echo edge egg elbow elder elm ember empty engine epic fable fair fancy farm feast
    feather fence fern ferry field fig film finch fire fish flag flame flash flute foam
    fog forest fork fossil fox frame fresh frog frost fruit fudge garden garlic gate
    gentle ghost giant ginger glad glass globe glove glue goat gold goose grape grass
    gravy green grey grill guitar gulf habit hammer happy harbor harp hat hawk hazel heart
    hedge helmet herb hill hollow honey hook horse hotel house humble husky ice idea igloo
    ink iron island ivory ivy jacket jam jar jazz jelly jewel joke jolly juice jungle
    kettle key kind king kite kitten knee knot ladder lake lamp lane lark laser lava lawn
    lazy leaf lemon lens library lilac lime linen lion lizard loaf lobby lotus loud lucky
    lunar lunch mango maple marble market marsh meadow melon metal mild mint mirror misty
    mole monkey moon moss moth motor muddy mug mule music narrow navy nest nickel night
    noble noodle north nose novel nut oak oasis ocean olive onion opal orange orbit otter
    oven owl paddle paint palm panda paper parrot pasta peach pearl pebble pencil pepper
    piano pickle pillow pilot pine pink pizza planet plum pocket poem polar pond poppy
    porch potato pretty prism puppy purple quiet quilt rabbit radio rain raven recipe red
    reef ribbon rice ridge ring river road robin rocket roof rose rough ruby rug rusty
    saddle sage salad salt sand satin scarf school sea seal seed shadow shark sheep shell
    shiny ship shoe silent silk silver simple sky sleepy slow smoky snail snow soap sock
    sofa soft solar soup spark spice spider spoon spring squid stamp star steam stone
    storm straw stream sugar summer sun sunny swan sweet table taco tall tea tent thunder
    tidy tiger timber toast tomato tooth torch towel tower toy trail train tree tulip
    tuna tunnel turtle twig umbrella uncle urban valley velvet violet violin wagon walnut
    warm wave wax whale wheat whistle white wild willow windy winter wise wolf wooden
    wool yarn yellow yogurt young zebra zero
"""

WORDS: tuple[str, ...] = tuple(_TEXT.split())
"""The words secrets are drawn from: short, common, lowercase, distinct."""


def secret_phrase(rng: random.Random, n: int = 6) -> str:
    """``n`` distinct words drawn with ``rng``, joined by single spaces."""
    return " ".join(rng.sample(WORDS, n))
