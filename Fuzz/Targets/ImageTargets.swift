import ImageIO

/// PNG decoding (libpng's simplified API) to RGB, then the paper's centre crop.
let pngTarget = FuzzTarget(name: "png") { raw in
    _ = try PNG.decodeRGB(Array(raw), name: "fuzz.png").centerSquare()
}

/// JPEG decoding (libjpeg-turbo behind the setjmp shim) to RGB, then the paper's centre crop.
let jpegTarget = FuzzTarget(name: "jpeg") { raw in
    _ = try JPEG.decodeRGB(Array(raw), name: "fuzz.jpg").centerSquare()
}
