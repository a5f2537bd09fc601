"""Colour contrast (WCAG 2.x) and the darker versions of colours too light to see on white.

Ratings and bands are drawn as coloured cells, chips and bars on white pages: each
colour needs at least 3:1 against white (WCAG 1.4.11, non-text contrast), and its
text at least 4.5:1 against the colour.
"""

import re

WHITE = "#ffffff"
INK = "#1d2433"
MIN_GRAPHIC_CONTRAST = 3.0
MIN_TEXT_CONTRAST = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

# Today's too-light palette entries and default band colours, and the darker version of
# each in the same hue family (so a school's scale keeps its look and its order).
DARKER: dict[str, str] = {
    "#eef3f8": "#848fa3",  # mist -> blue-grey
    "#d4e3f1": "#5a8fc4",
    "#c6dbef": "#5a8fc4",  # pale blue -> light blue
    "#a9cbe6": "#3b78b5",
    "#9ecae1": "#3b78b5",
    "#6baed6": "#3b78b5",  # mid blue
    "#5b9bd0": "#2f6aa8",
    "#56b4e9": "#0072b2",  # sky blue -> Okabe-Ito blue
    "#f0e442": "#8a7a00",  # yellow -> olive
    "#e69f00": "#a86a00",  # orange -> amber
    "#999999": "#767676",  # grey
}


def is_hex(value: str) -> bool:
    return bool(_HEX.match(value or ""))


def luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour (WCAG 2.x)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two #rrggbb colours, from 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


BLACK = "#000000"

# The default band colours, lightest (lowest band) first; each at least 3:1 on white.
# Told apart by lightness alone (each step at least 1.25 times the contrast of the one
# before), so they stay distinct with every colour-vision deficiency.
ATTAINMENT_RAMP = ["#848fa3", "#3b78b5", "#2a5f96", "#173f73", "#0b2850"]
PROGRESS_RAMP = ["#848fa3", "#3b78b5", "#1f4f85", "#0b2850"]


def text_on(colour: str) -> str:
    """Dark ink, white or black: whichever reads best on the colour."""
    return max((INK, WHITE, BLACK), key=lambda text: contrast(colour, text))


def readable(colour: str) -> str:
    """The colour itself if it shows on white (3:1), else a darker version of it."""
    colour = colour.lower()
    if not is_hex(colour) or contrast(colour, WHITE) >= MIN_GRAPHIC_CONTRAST:
        return colour
    if colour in DARKER:
        return DARKER[colour]
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(1, 100):
        factor = 1 - step / 100
        darker = "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))
        if contrast(darker, WHITE) >= MIN_GRAPHIC_CONTRAST:
            return darker
    return INK
