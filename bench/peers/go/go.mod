module actio.bench/peers/go

go 1.19
