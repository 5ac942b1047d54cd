"""The analysis chain: normalisation with offset maps, segmentation, token filters, pinyin, the lexicon."""
