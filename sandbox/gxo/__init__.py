"""The GXO warehouse simulator: stock, batch cycles, short picks, parcels, rejections, events."""
